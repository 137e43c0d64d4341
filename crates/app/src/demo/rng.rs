//! A small deterministic generator and synthetic names: the same seed always yields the same data.

pub use wushe_domain::rng::Rng;

const FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建华", "玉兰", "志强", "文", "红", "建国", "淑珍", "婷", "浩", "宇轩", "欣怡",
    "子涵", "梓萱", "思远", "国庆", "秀珍", "德明",
];

pub(crate) fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(FAMILY), rng.pick(GIVEN))
}
